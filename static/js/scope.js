// The receipt and conversion forms: choosing a funder in the first step shows its records at once. Without scripts
// the step's button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-scope-form]");
  var funder = form && form.querySelector("select[name=funder]");
  if (!funder) {
    return;
  }
  funder.addEventListener("change", function () {
    var search = form.querySelector("input[name=q]");
    if (search) {
      search.value = "";
    }
    form.submit();
  });
})();
