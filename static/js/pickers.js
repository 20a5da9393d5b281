// Search-as-you-type pickers: every <select data-picker> (marketplace/forms.py PickerSelect,
// PickerSelectMultiple, CurrencySelect) becomes a Tom Select (static/vendor/tom-select). Without
// JavaScript, or if the library did not load, the plain select works as it is.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function enhance(select) {
    if (select.tomselect) return;
    var many = select.multiple;
    var nothing = select.getAttribute("data-nothing-found") || "";
    new window.TomSelect(select, {
      plugins: many ? ["remove_button"] : ["dropdown_input"],
      allowEmptyOption: true,
      maxOptions: 200, // thousands of catalog products: the search narrows, the list stays short
      hideSelected: many,
      closeAfterSelect: !many,
      searchField: ["text", "value"],
      render: {
        no_results: function () {
          return '<div class="no-results">' + escape(nothing) + "</div>";
        },
      },
    });
  }

  function init(root) {
    root.querySelectorAll("select[data-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
