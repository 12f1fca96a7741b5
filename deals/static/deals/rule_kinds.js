/* A deadline rule's form shows only the fieldsets of the kind picked (obligations/admin.py RULE_FIELDSETS).
 *
 * Each such fieldset has the class "rule-kinds" and one "rule-kind-<kind>" per kind it serves; the
 * kind select has the attribute data-rule-kind. Works on a rule's own page and on each row of the
 * rules inline, rows added with "Add another" included. Without JavaScript every fieldset shows.
 * A fieldset holding an error is never hidden, and no kind picked shows them all.
 */
(function () {
  "use strict";

  function rowOf(element) {
    return element.closest(".inline-related") || element.form || document;
  }

  function show(select) {
    var row = rowOf(select);
    var inlineRow = select.closest(".inline-related");
    var kind = select.value;
    row.querySelectorAll("fieldset.rule-kinds").forEach(function (fieldset) {
      if (fieldset.closest(".inline-related") !== inlineRow) {
        return; // another row's fieldset (or the main form's, seen from a row)
      }
      var wanted = !kind || fieldset.classList.contains("rule-kind-" + kind) ||
        fieldset.querySelector(".errorlist") !== null;
      fieldset.hidden = !wanted;
    });
  }

  function showAll(root) {
    root.querySelectorAll("select[data-rule-kind]").forEach(function (select) {
      if (select.name.indexOf("__prefix__") === -1) {
        show(select);
      }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-rule-kind]")) {
      show(event.target);
    }
  });
  document.addEventListener("formset:added", function (event) {
    showAll(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { showAll(document); });
  } else {
    showAll(document);
  }
}());
