// Two-column project picker for the release form (available left, selected right), with a
// filter, "add all shown", keyboard use and announcements for screen readers.
// Without JavaScript the form shows plain checkboxes; they stay the form's source of
// truth here too: the lists only check and uncheck them.
(function () {
  "use strict";

  function labelOf(checkbox) {
    const label = document.querySelector('label[for="' + checkbox.id + '"]');
    return label ? label.textContent.trim() : checkbox.value;
  }

  function option(checkbox) {
    const item = document.createElement("option");
    item.value = checkbox.id;
    item.textContent = labelOf(checkbox);
    return item;
  }

  function column(id, labelText) {
    const wrapper = document.createElement("div");
    wrapper.className = "col-12 col-md";
    const label = document.createElement("label");
    label.className = "form-label";
    label.htmlFor = id;
    label.textContent = labelText;
    const select = document.createElement("select");
    select.id = id;
    select.multiple = true;
    select.className = "form-select";
    select.setAttribute("aria-describedby", "picker-help");
    wrapper.append(label, select);
    return { wrapper: wrapper, select: select };
  }

  function button(text, className) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-outline-primary btn-sm " + className;
    element.textContent = text;
    return element;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function setUp(fieldset) {
    const data = fieldset.dataset;
    const checkboxes = Array.from(fieldset.querySelectorAll('input[type="checkbox"]'));
    if (!checkboxes.length) return;
    const available = column("picker-available", data.availableLabel);
    const selected = column("picker-selected", data.selectedLabel);
    const add = button(data.addLabel + " →", "picker-add");
    const addAll = button(data.addAllLabel + " →", "picker-add-all");
    const remove = button("← " + data.removeLabel, "picker-remove");
    const removeAll = button("← " + data.removeAllLabel, "picker-remove-all");
    const controls = document.createElement("div");
    controls.className = "col-12 col-md-auto d-flex flex-wrap flex-md-column justify-content-center gap-2";
    controls.append(add, addAll, remove, removeAll);
    const row = document.createElement("div");
    row.className = "row g-2 align-items-stretch";
    row.append(available.wrapper, controls, selected.wrapper);

    const filterLabel = document.createElement("label");
    filterLabel.className = "form-label";
    filterLabel.htmlFor = "picker-filter";
    filterLabel.textContent = data.filterLabel;
    const filter = document.createElement("input");
    filter.type = "search";
    filter.id = "picker-filter";
    filter.className = "form-control mb-2";
    filter.autocomplete = "off";
    filter.setAttribute("aria-controls", "picker-available picker-selected");
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    function shown(checkbox) {
      const query = filter.value.trim().toLowerCase();
      return !query || labelOf(checkbox).toLowerCase().includes(query);
    }

    function render() {
      available.select.replaceChildren();
      selected.select.replaceChildren();
      checkboxes.forEach(function (checkbox) {
        if (shown(checkbox)) (checkbox.checked ? selected : available).select.append(option(checkbox));
      });
    }

    function move(items, checked) {
      if (!items.length) return;
      items.forEach(function (item) { document.getElementById(item.value).checked = checked; });
      render();
      const count = checkboxes.filter(function (checkbox) { return checkbox.checked; }).length;
      const names = items.map(function (item) { return item.textContent; }).join(", ");
      status.textContent = fill(checked ? data.addedLabel : data.removedLabel, { names: names, count: count });
    }

    function chosen(list) { return Array.from(list.select.selectedOptions); }
    function all(list) { return Array.from(list.select.options); }

    add.addEventListener("click", function () { move(chosen(available), true); });
    addAll.addEventListener("click", function () { move(all(available), true); });
    remove.addEventListener("click", function () { move(chosen(selected), false); });
    removeAll.addEventListener("click", function () { move(all(selected), false); });
    available.select.addEventListener("dblclick", function () { move(chosen(available), true); });
    selected.select.addEventListener("dblclick", function () { move(chosen(selected), false); });
    available.select.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); move(chosen(available), true); available.select.focus(); }
    });
    selected.select.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "Delete") {
        event.preventDefault();
        move(chosen(selected), false);
        selected.select.focus();
      }
    });
    filter.addEventListener("input", render);
    // Enter in the filter would submit the release form half filled in.
    filter.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });

    const fallback = fieldset.querySelector(".picker-fallback");
    fallback.hidden = true;
    document.getElementById("picker-help").textContent = data.help;
    fallback.after(filterLabel, filter, row, status);
    render();
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
