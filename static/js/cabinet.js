// Rows of lines in the cabinet's forms (new order, new request for quotation): "Add a line" clones the
// formset's empty form from its <template>, "×" removes a row; the rows are renumbered so that Django's
// formset (prefix-N-field, TOTAL_FORMS) reads them in order. Without JavaScript the blank rows still work.
(function () {
  "use strict";
  function setup(box) {
    var prefix = box.getAttribute("data-lines-formset");
    var body = box.querySelector("[data-lines]");
    var template = box.querySelector("template[data-empty-line]");
    var addButton = box.querySelector("[data-add-line]");
    var limitNote = box.querySelector("[data-lines-limit]");
    var total = box.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var maxInput = box.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    if (!body || !template || !addButton || !total) return;
    var max = maxInput ? parseInt(maxInput.value, 10) || 1000 : 1000;
    var pattern = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");

    function rows() { return body.querySelectorAll("tr[data-line]"); }

    function renumber() {
      var list = rows();
      Array.prototype.forEach.call(list, function (row, index) {
        var number = row.querySelector("[data-line-number]");
        if (number) number.textContent = String(index + 1);
        row.querySelectorAll("[name], [id], label[for]").forEach(function (element) {
          ["name", "id", "for"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value && pattern.test(value)) {
              element.setAttribute(attribute, value.replace(pattern, function (match, id) {
                return (id || "") + prefix + "-" + index + "-";
              }));
            }
          });
        });
        var remove = row.querySelector("[data-remove-line]");
        if (remove) remove.hidden = list.length < 2;
      });
      total.value = String(list.length);
      var full = list.length >= max;
      addButton.disabled = full;
      if (limitNote) limitNote.hidden = !full;
    }

    addButton.addEventListener("click", function () {
      if (rows().length >= max) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(rows().length));
      var holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      var row = holder.querySelector("tr");
      body.appendChild(row);
      renumber();
      var first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });

    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-line]");
      if (!button || rows().length < 2) return;
      button.closest("tr").remove();
      renumber();
    });

    addButton.hidden = false;
    renumber();
  }
  document.querySelectorAll("[data-lines-formset]").forEach(setup);
})();
