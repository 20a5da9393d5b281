// The top navigation in one row: links that do not fit move under "More" (the least used first); the menus
// ("More", the account menu) open on click and close on Escape or a click elsewhere. Without
// JavaScript the links wrap and a menu opens while it has the focus (CSS :focus-within).
(function () {
  "use strict";
  var links = document.getElementById("nav-links");
  var more = document.getElementById("nav-more");
  var phone = window.matchMedia("(max-width: 800px)");

  // What leaves the row first when it is too narrow (data-nav names), then the rest from the end.
  var FIRST_TO_GO = ["top", "proposals", "complaints", "catalog", "partners", "buyers", "ratings", "auctions"];

  function fit() {
    if (!links || !more) return;
    var panel = more.querySelector(".menu-panel");
    var items = Array.prototype.filter.call(links.querySelectorAll("[data-nav]"), function (el) {
      return el.closest(".nav-links") === links;
    });
    items.forEach(function (el) { links.insertBefore(el, more); });
    more.hidden = true;
    if (phone.matches) return;
    var order = items.slice().sort(function (a, b) {
      var ra = FIRST_TO_GO.indexOf(a.dataset.nav), rb = FIRST_TO_GO.indexOf(b.dataset.nav);
      ra = ra < 0 ? FIRST_TO_GO.length + items.length - items.indexOf(a) : ra;
      rb = rb < 0 ? FIRST_TO_GO.length + items.length - items.indexOf(b) : rb;
      return ra - rb;
    });
    links.classList.add("fitting");
    more.hidden = false;
    var moved = [];
    while (order.length && links.scrollWidth > links.clientWidth + 1) {
      var el = order.shift();
      moved.push(el);
      el.hidden = true;
    }
    items.forEach(function (el) {
      el.hidden = false;
      if (moved.indexOf(el) >= 0) panel.appendChild(el);
    });
    more.hidden = !moved.length;
    links.classList.remove("fitting");
  }

  function close(except) {
    document.querySelectorAll(".menu.open").forEach(function (menu) {
      if (menu === except) return;
      menu.classList.remove("open");
      menu.querySelector(".menu-button").setAttribute("aria-expanded", "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button");
    if (button) {
      var menu = button.closest(".menu");
      var open = !menu.classList.contains("open");
      close(menu);
      menu.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
    } else if (!event.target.closest(".menu-panel")) {
      close(null);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close(null);
  });
  // The section the page belongs to (the longest link that starts its address) reads as current.
  var current = null;
  document.querySelectorAll("#nav-links a[href]").forEach(function (a) {
    var href = a.getAttribute("href");
    if (href !== "/" && location.pathname.indexOf(href) === 0 && (!current || href.length > current.getAttribute("href").length)) current = a;
  });
  if (current) current.setAttribute("aria-current", "page");
  document.documentElement.classList.add("js");
  fit();
  window.addEventListener("resize", fit);
  if (phone.addEventListener) phone.addEventListener("change", fit);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
})();
