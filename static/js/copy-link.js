// Copy buttons: <button data-copy-target="input-id" data-copied-text="...">. Without the
// clipboard API (or JavaScript) the read-only field can still be selected and copied by hand.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field) return;
  field.select();
  if (!navigator.clipboard) return;
  navigator.clipboard.writeText(field.value).then(() => {
    const original = button.textContent;
    button.textContent = button.dataset.copiedText;
    setTimeout(() => { button.textContent = original; }, 2000);
  });
});
