/*
 * Beacon status widget. Put where the status link should appear:
 *   <script src="https://status.example.com/embed.js" async></script>
 * or give it a place with <a data-beacon-status href="https://status.example.com">Status</a>
 * anywhere on the page. It fetches /api/v2/status.json from the script's own origin and shows
 * a small link with the current status. No cookies, no inline code, text only (never HTML).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || !window.fetch) {
    return;
  }
  var origin = new URL(script.src, document.baseURI).origin;
  var colours = {
    none: "#2e7d32",
    minor: "#9a6700",
    major: "#c2410c",
    critical: "#b91c1c",
    maintenance: "#1d4ed8"
  };

  function targets() {
    var found = Array.prototype.slice.call(document.querySelectorAll("[data-beacon-status]"));
    if (found.length) {
      return found;
    }
    var link = document.createElement("a");
    link.setAttribute("data-beacon-status", "");
    script.parentNode.insertBefore(link, script.nextSibling);
    return [link];
  }

  function show(data) {
    var status = data && data.status ? data.status : {};
    var page = data && data.page ? data.page : {};
    var colour = colours[status.indicator] || "#6e7781";
    targets().forEach(function (target) {
      var link = target;
      if (target.tagName !== "A") {
        link = document.createElement("a");
        target.textContent = "";
        target.appendChild(link);
      }
      link.href = typeof page.url === "string" && /^https?:\/\//.test(page.url) ? page.url : origin;
      link.rel = "noopener";
      link.className = "beacon-status beacon-status--" + (status.indicator || "unknown");
      link.textContent = "";
      var dot = document.createElement("span");
      dot.setAttribute("aria-hidden", "true");
      dot.style.display = "inline-block";
      dot.style.width = "0.6em";
      dot.style.height = "0.6em";
      dot.style.borderRadius = "50%";
      dot.style.marginRight = "0.4em";
      dot.style.background = colour;
      link.appendChild(dot);
      link.appendChild(document.createTextNode(status.description || "Status unavailable"));
    });
  }

  function refresh() {
    fetch(origin + "/api/v2/status.json", { mode: "cors", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        show(null);
      });
  }

  refresh();
  setInterval(refresh, 120000);
})();
