// Small progressive enhancements; every page works without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); return; }
  if (form.hasAttribute("data-once")) {
    // A double click must not send the form twice.
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
  }
});

// A select that changes the page (the door's session) submits its form.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
});

// The door page: a handheld scanner types a code and Enter. The answer comes
// back without a page load, the field is emptied and keeps the focus, and the
// answer panel flashes green or red (no sound: doors are noisy, and quiet).
(function () {
  var form = document.querySelector("form[data-scan]");
  if (!form || !window.fetch) { return; }
  var field = form.querySelector("input[name=code]");
  var answer = document.getElementById("door-answer");
  var counts = document.getElementById("door-counts");

  var SYMBOLS = {ok: "\u2713 ", warn: "! ", bad: "\u2717 "};

  function show(data) {
    // Green for in, amber for "already in" / "not open yet" / "closed", red for a ticket that is not for here.
    var tone = data.tone || (data.ok ? "ok" : "bad");
    answer.className = "door-answer " + tone;
    answer.setAttribute("data-result", data.result || "");
    answer.innerHTML = "";
    var big = document.createElement("p");
    big.className = "big-answer";
    big.textContent = (SYMBOLS[tone] || "") + (data.message || "");
    answer.appendChild(big);
    if (data.name !== undefined) {
      var who = document.createElement("p");
      who.className = "who";
      who.textContent = data.name + (data.organization ? " \u00b7 " + data.organization : "");
      answer.appendChild(who);
      var what = document.createElement("p");
      what.className = "what";
      what.textContent = data.event + " \u2014 " + (data.sessions || []).join(", ");
      answer.appendChild(what);
    }
    if (data.undo_url) {
      // A plain form: the undo reloads the page with its answer and the new count.
      var undo = document.createElement("form");
      undo.method = "post";
      undo.action = data.undo_url;
      undo.className = "inline undo-form";
      [["csrf_token", form.querySelector("input[name=csrf_token]").value],
       ["session", form.querySelector("input[name=session]").value]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = pair[0]; input.value = pair[1];
        undo.appendChild(input);
      });
      var button = document.createElement("button");
      button.className = "danger";
      button.id = "undo-checkin";
      button.textContent = answer.getAttribute("data-undo-label");
      undo.appendChild(button);
      answer.appendChild(undo);
    }
    void answer.offsetWidth;  // restart the flash even when two answers in a row are alike
    answer.classList.add("flash-now");
    if (data.counts) { setCounts(data.counts); }
  }

  function setCounts(numbers) {
    document.getElementById("count-checked-in").textContent = numbers.checked_in;
    document.getElementById("count-registered").textContent = numbers.registered;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    field.value = "";
    field.focus();
    fetch(form.action, {method: "POST", body: body, headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { show({ok: false, message: answer.getAttribute("data-offline") || "\u2014"}); });
  });

  // Keep the field ready for the next scan, unless the person is typing elsewhere.
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) { field.focus(); }
    }, 50);
  });

  if (counts) {
    setInterval(function () {
      fetch(counts.getAttribute("data-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (all) { var mine = all[counts.getAttribute("data-session")]; if (mine) { setCounts(mine); } })
        .catch(function () {});
    }, 5000);
  }
})();

// Countdowns to a stream: "(2 วัน 03:04:05)"; a page that asks for it reloads when the time comes.
(function () {
  var clocks = document.querySelectorAll(".countdown[data-until]");
  if (!clocks.length) { return; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    clocks.forEach(function (clock) {
      var left = Math.max(0, Math.floor((Date.parse(clock.getAttribute("data-until")) - now) / 1000));
      if (left === 0 && clock.hasAttribute("data-reload") && !clock.dataset.reloading) {
        clock.dataset.reloading = "1";
        window.location.reload();
        return;
      }
      var days = Math.floor(left / 86400), rest = left % 86400;
      // The page gives the word for days in its language ("วัน" on Thai pages).
      clock.textContent = "(" + (days ? days + " " + (clock.getAttribute("data-days") || "d") + " " : "") + pad(Math.floor(rest / 3600)) + ":" +
        pad(Math.floor(rest % 3600 / 60)) + ":" + pad(rest % 60) + ")";
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// A form came back with errors: take the focus to the summary, whose links lead to each field.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    // A list of choices carries the id on its <ul>: go to its first choice.
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
})();

// A new event's web address follows its English title until the organizer types one
// (the server makes the same one when the field is left empty).
(function () {
  var slug = document.querySelector("input[data-slug-from]");
  if (!slug) { return; }
  var source = document.getElementById(slug.getAttribute("data-slug-from"));
  if (!source) { return; }
  var touched = slug.value !== "";
  slug.addEventListener("input", function () { touched = slug.value !== ""; });
  source.addEventListener("input", function () {
    if (touched) { return; }
    slug.value = source.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 70).replace(/-+$/, "");
  });
})();
