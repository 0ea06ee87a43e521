// The relapse-signal form: as soon as "acute" is chosen, show whom to call (the professional,
// the emergency number) before the volunteer sends it, and note that the advice was seen.
// Without JavaScript the server shows the same advice as an extra step before sending.
(() => {
  const update = (form) => {
    const advice = form.querySelector("[data-acute-advice]");
    const seen = form.querySelector("input[name=acute_seen]");
    const chosen = form.querySelector("input[name=severity]:checked");
    const acute = chosen !== null && chosen.value === "acute";
    if (advice) advice.hidden = !acute;
    if (seen && acute) seen.value = "True";
  };

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "severity" || !input.form) return;
    update(input.form);
  });

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("signal-form");
    if (form) update(form);
  });
})();
