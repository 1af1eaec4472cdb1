/* Exclusive answers ("None of these", "Not sure"): ticking one unticks the others, and ticking any other
   answer unticks it. Works with the keyboard (Space fires the same change event). Without JavaScript the
   server's message asks the patient to choose. No inline code: the CSP forbids it. */
(function () {
  "use strict";
  function boxes(group) {
    return Array.prototype.slice.call(group.querySelectorAll("input[type=checkbox]"));
  }
  function untick(box) {
    box.checked = false;
    // Lets followups.js (listening on the form) see the change too.
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function changed(event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.checked) {
      return;
    }
    var group = box.closest("[data-exclusive]");
    if (!group) {
      return;
    }
    var exclusive = box.hasAttribute("data-exclusive-choice");
    boxes(group).forEach(function (other) {
      if (other !== box && other.checked && (exclusive || other.hasAttribute("data-exclusive-choice"))) {
        untick(other);
      }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-exclusive]"), function (group) {
    if (group.getAttribute("data-exclusive") === "bound") {
      return; // the script is included once per such question; each group is bound once
    }
    group.setAttribute("data-exclusive", "bound");
    group.addEventListener("change", changed);
  });
}());
