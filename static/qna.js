// Questions during a session: redraws the list of approved questions from the board's JSON every few seconds,
// without reloading the page (the presenter's screen and the attendees' pages). A conditional GET (If-None-Match)
// makes an unchanged board a 304 with no body.
(function () {
  "use strict";
  var board = document.getElementById("qna-board");
  if (!board || !window.fetch) { return; }
  var list = document.getElementById("qna-list");
  var url = board.dataset.boardUrl;
  var every = Math.max(1, parseFloat(board.dataset.pollSeconds || "4")) * 1000;
  var questionsUrl = board.dataset.questionsUrl || "";
  var voted = {};
  (board.dataset.voted || "").split(",").forEach(function (id) { if (id) { voted[id] = true; } });
  var etag = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function voteForm(q) {
    var done = !!voted[q.id];
    var form = el("form", "inline");
    form.method = "post";
    form.action = questionsUrl + "/" + q.id + "/" + (done ? "unvote" : "vote");
    var csrf = el("input");
    csrf.type = "hidden"; csrf.name = "csrf_token"; csrf.value = board.dataset.csrf;
    var button = el("button", "qna-vote" + (done ? " voted" : ""),
                    done ? board.dataset.labelUnvote : board.dataset.labelVote);
    button.setAttribute("aria-pressed", done ? "true" : "false");
    form.appendChild(csrf);
    form.appendChild(button);
    return form;
  }

  function draw(questions) {
    var items = [];
    questions.forEach(function (q) {
      var item = el("li", "qna-question" + (q.pinned ? " pinned" : "") + (q.answered ? " answered" : ""));
      item.id = "q-" + q.id;
      item.dataset.id = q.id;
      item.appendChild(el("p", "qna-body", q.body));
      var meta = el("p", "qna-meta");
      meta.appendChild(el("span", "qna-name", q.name || board.dataset.labelAnonymous));
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(el("span", "qna-votes", board.dataset.labelVotes.replace("{n}", q.votes)));
      if (q.pinned) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "badge open", board.dataset.labelNow)); }
      if (q.answered) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "badge", board.dataset.labelAnswered)); }
      item.appendChild(meta);
      if (questionsUrl) { item.appendChild(voteForm(q)); }
      items.push(item);
    });
    if (!items.length) { items.push(el("li", "qna-empty", board.dataset.labelEmpty)); }
    // Keep the focus on a vote button that is redrawn (keyboard users).
    var focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".qna-question") : null;
    list.replaceChildren.apply(list, items);
    if (focused) {
      var again = document.getElementById(focused.id);
      var button = again && again.querySelector("button");
      if (button) { button.focus(); }
    }
  }

  function poll() {
    var headers = {"Accept": "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, {headers: headers, credentials: "same-origin", cache: "no-store"}).then(function (response) {
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        return response.json().then(function (data) { draw(data.questions); });
      }
      return null;
    }).catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
})();
