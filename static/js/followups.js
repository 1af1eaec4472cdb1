/* Progressive enhancement: follow-up questions appear in place as the patient answers.
   Without JavaScript the server shows them on the next page load instead. No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-followups]");
  if (!form) {
    return;
  }
  // Tells the server the follow-ups were already shown in place, so it need not show the page again.
  var marker = document.createElement("input");
  marker.type = "hidden";
  marker.name = "_js";
  marker.value = "1";
  form.appendChild(marker);

  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-q], [data-when]"));

  function answerOf(name) {
    var wrapper = document.getElementById("q-" + name);
    if (!wrapper || wrapper.hidden) {
      return null; // a question that is not asked counts as unanswered
    }
    var inputs = wrapper.querySelectorAll("input, textarea, select");
    var chosen = [];
    var isGroup = false;
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox" || input.type === "radio") {
        isGroup = true;
        if (input.checked) {
          chosen.push(input.value);
        }
      } else if (input.value.trim() !== "") {
        return input.value.trim();
      }
    }
    if (!isGroup) {
      return null;
    }
    var multiple = inputs.length > 0 && inputs[0].type === "checkbox";
    if (multiple) {
      return chosen;
    }
    return chosen.length ? chosen[0] : null;
  }

  // One test on one answer: data-q, data-op and data-v, or one [question, operator, value] of data-tests.
  function testHolds(name, operator, raw) {
    var given = answerOf(name);
    var values = raw.split(" ");
    if (operator === "answered") {
      return given !== null && given.length > 0;
    }
    if (given === null) {
      return false;
    }
    if (operator === "equals") {
      return given === raw;
    }
    if (operator === "one_of") {
      return values.indexOf(given) !== -1;
    }
    if (!Array.isArray(given)) {
      return false;
    }
    if (operator === "at_least") {
      return given.length >= parseInt(raw, 10);
    }
    if (operator === "includes") {
      return given.indexOf(raw) !== -1;
    }
    return values.some(function (value) { return given.indexOf(value) !== -1; });
  }

  // data-when="all" or "any" with data-tests: the server has already settled the tests on earlier pages.
  function holds(block) {
    var behaviour = block.getAttribute("data-when");
    if (!behaviour) {
      return testHolds(block.getAttribute("data-q"), block.getAttribute("data-op"), block.getAttribute("data-v") || "");
    }
    var tests = JSON.parse(block.getAttribute("data-tests") || "[]");
    var results = tests.map(function (test) { return testHolds(test[0], test[1], test[2]); });
    if (behaviour === "any") {
      return results.indexOf(true) !== -1;
    }
    return results.indexOf(false) === -1;
  }

  // A question whose options are those ticked in an earlier question on the same page (choices_from) shows
  // only those; an option no longer ticked there is unticked and not sent.
  var filtered = Array.prototype.slice.call(form.querySelectorAll("[data-choices-from]"));

  function filterChoices() {
    filtered.forEach(function (group) {
      var ticked = answerOf(group.getAttribute("data-choices-from"));
      var asked = !group.closest("[hidden]");
      Array.prototype.forEach.call(group.querySelectorAll("input"), function (input) {
        var show = Array.isArray(ticked) && ticked.indexOf(input.value) !== -1;
        input.closest("label").hidden = !show;
        input.disabled = !(show && asked);
        if (!show) {
          input.checked = false;
        }
      });
    });
  }

  function update() {
    // Document order puts every condition's question before its follow-ups, so one pass settles them all.
    blocks.forEach(function (block) {
      var show = holds(block);
      if (block.hidden === show) {
        block.hidden = !show;
        // A question not asked is not sent either (the server ignores it anyway).
        Array.prototype.forEach.call(block.querySelectorAll("input, textarea, select"), function (input) {
          input.disabled = !show;
        });
      }
    });
    filterChoices();
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}());
