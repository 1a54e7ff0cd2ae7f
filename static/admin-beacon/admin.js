// Beacon admin niceties. Everything works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Picking a template applies it straight away; the "Apply" button stays for no-JS use.
  document.querySelectorAll("select.beacon-template-select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });
});
