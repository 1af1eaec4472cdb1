/* The error summary takes the focus when the page opens, so screen readers announce it first; its links move
   the focus to the field they name (not just scroll to it). No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary || summary.hasAttribute("data-focus-bound")) {
    return;
  }
  summary.setAttribute("data-focus-bound", "");
  if (document.activeElement !== summary) {
    summary.focus();
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    var question = target.closest(".q");
    (question || target).scrollIntoView();
    target.focus();
  });
}());
