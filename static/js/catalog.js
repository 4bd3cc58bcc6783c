// The catalog: with JavaScript, a changed filter applies at once (the form is submitted); without it, the
// "Show" button does the same. Typing in the search box waits for Enter or the Search button.
const form = document.getElementById("catalog-filters");
if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "q") return;
    if (event.target.type === "date" && event.target.value && !event.target.checkValidity()) return;
    form.requestSubmit();
  });
  const apply = form.querySelector("[data-apply]");
  if (apply) apply.hidden = true;
}
