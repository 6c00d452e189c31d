// The language switch returns to the page shown now: htmx tabs and lists change the address
// after the page (and this form's "next") was rendered.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form.language-switch")) {
    form.elements.next.value = window.location.pathname + window.location.search;
  }
});
