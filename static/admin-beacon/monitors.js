// The monitor form shows the fields of the picked kind only. Without this file every
// fieldset shows, and the fields of other kinds are simply not used.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var kind = document.querySelector("select.beacon-monitor-kind");
  if (!kind) return;
  var fieldsets = document.querySelectorAll("fieldset.beacon-monitor-fields");
  function show() {
    fieldsets.forEach(function (fieldset) {
      var forKinds = Array.prototype.filter.call(fieldset.classList, function (name) {
        return name.indexOf("beacon-for-") === 0;
      });
      fieldset.hidden = forKinds.length > 0 && !fieldset.classList.contains("beacon-for-" + kind.value);
    });
  }
  kind.addEventListener("change", show);
  show();
  document.querySelectorAll("input.beacon-copy").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});
