// The moderation page: asks every few seconds how many questions the session has, and says so when new ones
// arrived (a link that shows them), without reloading under the moderator's hands.
(function () {
  "use strict";
  var counts = document.getElementById("qna-counts");
  var notice = document.getElementById("qna-new");
  if (!counts || !notice || !window.fetch) { return; }
  var known = parseInt(counts.dataset.total || "0", 10);
  var every = Math.max(1, parseFloat(counts.dataset.pollSeconds || "4")) * 1000;

  function poll() {
    fetch(counts.dataset.countsUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var total = 0;
        Object.keys(data).forEach(function (state) { total += data[state]; });
        if (total > known) { notice.hidden = false; }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
})();
