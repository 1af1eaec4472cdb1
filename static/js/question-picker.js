/* The rule editor's question picker: each question <select> of the condition rows becomes a search box with a list
   (the ARIA combobox pattern, list autocomplete with manual selection). Typing filters the questions by their text,
   id and section, every typed word counting; the list stays grouped by section. Arrow keys move through the list,
   Enter or a click chooses, Escape closes. The <select> stays in the form, hidden, and carries the choice, so the
   post is what it is without JavaScript; everything shown is read from the <select> the server rendered.
   No inline code: the CSP forbids it. */
(function () {
  "use strict";
  var area = document.querySelector("[data-question-pickers]");
  if (!area) {
    return;
  }
  var made = 0;
  var how = area.querySelector("[data-picker-how]"); /* how to search, worded by the server */

  function words(text) {
    return text.toLowerCase().replace(/[_\-.,:;?()“”"']/g, " ").split(/\s+/).filter(Boolean);
  }

  function enhance(select) {
    made += 1;
    var base = select.id;
    var listId = base + "-list";
    var input = document.createElement("input");
    var list = document.createElement("div");
    var count = document.createElement("p");
    var box = document.createElement("div");
    var options = [];
    var active = -1;

    input.type = "text";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("data-picker-search", "");
    if (select.hasAttribute("aria-invalid")) {
      input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    }
    var described = (select.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (how) {
      described.push(how.id);
    }
    if (described.length) {
      input.setAttribute("aria-describedby", described.join(" "));
    }
    /* The label, hint and error point at the select's id: the search box takes it over. */
    select.id = base + "-native";
    input.id = base;
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    var label = document.querySelector("label[for='" + base + "']");
    list.setAttribute("aria-label", label ? label.textContent.trim() : "Questions");
    list.hidden = true;
    count.className = "vh";
    count.setAttribute("role", "status");
    box.className = "picker";

    var groupNumber = 0;
    Array.prototype.forEach.call(select.children, function (child) {
      var group = list;
      var items = [child];
      var section = "";
      if (child.tagName === "OPTGROUP") {
        groupNumber += 1;
        section = child.label;
        group = document.createElement("div");
        group.setAttribute("role", "group");
        var heading = document.createElement("div");
        heading.setAttribute("role", "presentation");
        heading.className = "picker-section";
        heading.id = base + "-g" + groupNumber;
        heading.textContent = section;
        group.setAttribute("aria-labelledby", heading.id);
        group.appendChild(heading);
        list.appendChild(group);
        items = Array.prototype.slice.call(child.children);
      }
      items.forEach(function (option) {
        if (!option.value) {
          return; /* "choose a question": the box's placeholder says it */
        }
        var item = document.createElement("div");
        item.setAttribute("role", "option");
        item.id = base + "-o" + options.length;
        item.className = "picker-option";
        item.setAttribute("aria-selected", option.selected ? "true" : "false");
        var caption = document.createElement("span");
        caption.textContent = option.text;
        var id = document.createElement("span");
        id.className = "picker-id";
        id.textContent = option.value;
        item.appendChild(caption);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(id);
        group.appendChild(item);
        options.push({
          node: item,
          group: group === list ? null : group,
          value: option.value,
          text: option.text,
          search: words(option.text + " " + option.value + " " + section).join(" ") + " " + option.value.toLowerCase()
        });
      });
    });
    var placeholder = select.options.length && !select.options[0].value ? select.options[0].text : "";
    input.setAttribute("placeholder", placeholder);

    function chosen() {
      return options.filter(function (o) { return o.value === select.value; })[0] || null;
    }

    function showChosen() {
      var current = chosen();
      input.value = current ? current.text : "";
    }

    function visible() {
      return options.filter(function (o) { return !o.node.hidden; });
    }

    function setActive(index) {
      var shown = visible();
      options.forEach(function (o) { o.node.classList.remove("picker-active"); });
      active = shown.length ? Math.max(0, Math.min(index, shown.length - 1)) : -1;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      var node = shown[active].node;
      node.classList.add("picker-active");
      input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    }

    function filter(text) {
      var wanted = words(text);
      var hits = 0;
      options.forEach(function (o) {
        var hit = wanted.every(function (w) { return o.search.indexOf(w) !== -1; });
        o.node.hidden = !hit;
        hits += hit ? 1 : 0;
      });
      Array.prototype.forEach.call(list.querySelectorAll("[role=group]"), function (group) {
        group.hidden = !group.querySelector("[role=option]:not([hidden])");
      });
      count.textContent = hits === 0 ? "No question matches." : hits + (hits === 1 ? " question" : " questions") + " to choose from.";
      return hits;
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function openAll() {
      filter("");
      open();
      var shown = visible();
      var current = chosen();
      setActive(current ? shown.indexOf(current) : 0);
    }

    function choose(option) {
      options.forEach(function (o) { o.node.setAttribute("aria-selected", o === option ? "true" : "false"); });
      var changed = select.value !== option.value;
      select.value = option.value;
      input.value = option.text;
      close();
      if (changed) {
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    input.addEventListener("input", function () {
      filter(input.value);
      open();
      setActive(0);
    });
    input.addEventListener("keydown", function (event) {
      var shown = visible();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          if (event.altKey || !input.value || chosen() && input.value === chosen().text) {
            openAll();
          } else {
            filter(input.value);
            open();
            setActive(0);
          }
          return;
        }
        if (event.altKey && event.key === "ArrowUp") {
          close();
          return;
        }
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        if (!list.hidden) {
          event.preventDefault(); /* choosing, not submitting the form */
          if (active >= 0 && shown[active]) {
            choose(shown[active]);
          }
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
        showChosen();
      } else if (event.key === "Tab") {
        close();
        showChosen();
      }
    });
    input.addEventListener("click", function () {
      if (list.hidden) {
        openAll();
      }
    });
    input.addEventListener("blur", function () {
      close();
      showChosen();
    });
    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); /* keep the focus in the box while a click chooses */
    });
    list.addEventListener("click", function (event) {
      var node = event.target.closest("[role=option]");
      var option = options.filter(function (o) { return o.node === node; })[0];
      if (option) {
        choose(option);
      }
    });

    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    select.setAttribute("aria-hidden", "true");
    select.parentNode.insertBefore(box, select);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(count);
    showChosen();
  }

  Array.prototype.forEach.call(area.querySelectorAll("select[name$='-question']"), enhance);
  if (made && how) {
    how.hidden = false;
  }
})();
