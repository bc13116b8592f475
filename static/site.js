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
