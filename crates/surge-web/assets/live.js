// The live board: swaps in each view the server pushes (server-sent events), so the page updates without a
// reload. Without this script the page still shows the counts as they were when it loaded.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var source = new EventSource("/live/events");
  source.addEventListener("live", function (e) {
    var view = JSON.parse(e.data);
    document.getElementById("live-counts").innerHTML = view.counts;
    document.getElementById("live-alerts").innerHTML = view.alerts;
    document.getElementById("live-updated").textContent = view.updated;
    document.body.setAttribute("data-live-updates", String(Number(document.body.getAttribute("data-live-updates") || 0) + 1));
  });
})();
