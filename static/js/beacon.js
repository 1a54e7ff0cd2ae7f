// Live refresh keeps the reader's place: groups they opened stay open after htmx swaps the
// live region. Everything on the page works without this file.
(function () {
  "use strict";
  var open = [];
  document.addEventListener("htmx:beforeSwap", function () {
    open = Array.prototype.map.call(
      document.querySelectorAll("#live details[open][id]"),
      function (el) { return el.id; }
    );
  });
  function reopen() {
    open.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.open = true; }
    });
  }
  document.addEventListener("htmx:afterSwap", reopen);
  document.addEventListener("htmx:afterSettle", reopen);
})();
