// Two-column project picker for the release form (available left, selected right).
// Without JavaScript the form shows plain checkboxes; they stay the form's source of
// truth here too: the lists only check and uncheck them.
(function () {
  "use strict";

  function option(checkbox) {
    const label = document.querySelector('label[for="' + checkbox.id + '"]');
    const item = document.createElement("option");
    item.value = checkbox.id;
    item.textContent = label ? label.textContent.trim() : checkbox.value;
    return item;
  }

  function column(id, labelText) {
    const wrapper = document.createElement("div");
    wrapper.className = "col";
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
    element.className = "btn btn-outline-primary " + className;
    element.textContent = text;
    return element;
  }

  function setUp(fieldset) {
    const checkboxes = Array.from(fieldset.querySelectorAll('input[type="checkbox"]'));
    if (!checkboxes.length) return;
    const available = column("picker-available", fieldset.dataset.availableLabel);
    const selected = column("picker-selected", fieldset.dataset.selectedLabel);
    const add = button(fieldset.dataset.addLabel + " →", "picker-add");
    const remove = button("← " + fieldset.dataset.removeLabel, "picker-remove");
    const controls = document.createElement("div");
    controls.className = "col-auto d-flex flex-column justify-content-center gap-2";
    controls.append(add, remove);
    const row = document.createElement("div");
    row.className = "row g-2 align-items-stretch";
    row.append(available.wrapper, controls, selected.wrapper);

    function render() {
      available.select.replaceChildren();
      selected.select.replaceChildren();
      checkboxes.forEach(function (checkbox) {
        (checkbox.checked ? selected : available).select.append(option(checkbox));
      });
    }

    function move(from, checked) {
      Array.from(from.selectedOptions).forEach(function (item) {
        document.getElementById(item.value).checked = checked;
      });
      render();
      (checked ? selected : available).select.focus();
    }

    add.addEventListener("click", function () { move(available.select, true); });
    remove.addEventListener("click", function () { move(selected.select, false); });
    available.select.addEventListener("dblclick", function () { move(available.select, true); });
    selected.select.addEventListener("dblclick", function () { move(selected.select, false); });
    available.select.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); move(available.select, true); }
    });
    selected.select.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "Delete") { event.preventDefault(); move(selected.select, false); }
    });

    fieldset.querySelector(".picker-fallback").hidden = true;
    fieldset.querySelector(".picker-fallback").after(row);
    render();
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
