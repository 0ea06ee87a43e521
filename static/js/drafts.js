// Drafts in the browser: a volunteer whose session expired while writing a long report must not
// lose the text. Forms marked <form data-draft="KEY"> are saved to localStorage while typing and
// restored when the form is shown again empty (for instance after logging in again). A page that
// confirms a successful submit carries <div data-draft-clear="KEY1 KEY2">, and those drafts are
// forgotten. The key includes the user, so a shared device never offers one volunteer's text to
// the next; drafts older than a week are dropped.
(() => {
  "use strict";

  const PREFIX = "draft:";
  const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
  const SKIPPED_TYPES = new Set(["hidden", "password", "file", "submit", "button", "reset"]);

  const storage = (() => {
    try {
      const probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage disabled: the form simply works without drafts
    }
  })();
  if (!storage) return;

  const fieldsOf = (form) =>
    Array.from(form.elements).filter(
      (el) => el.name && el.name !== "csrfmiddlewaretoken" && !SKIPPED_TYPES.has(el.type),
    );

  const read = (key) => {
    try {
      const draft = JSON.parse(storage.getItem(PREFIX + key) || "null");
      if (!draft || typeof draft.values !== "object") return null;
      if (Date.now() - (draft.savedAt || 0) > MAX_AGE_MS) {
        storage.removeItem(PREFIX + key);
        return null;
      }
      return draft.values;
    } catch (error) {
      storage.removeItem(PREFIX + key);
      return null;
    }
  };

  const hasText = (values) =>
    Object.values(values).some((v) => (Array.isArray(v) ? v.length > 0 : String(v).trim() !== ""));

  const save = (form) => {
    const values = {};
    for (const el of fieldsOf(form)) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (!(el.name in values)) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.from(el.selectedOptions).map((o) => o.value);
      } else {
        values[el.name] = el.value;
      }
    }
    try {
      if (hasText(values)) {
        storage.setItem(PREFIX + form.dataset.draft, JSON.stringify({ savedAt: Date.now(), values }));
      }
    } catch (error) {
      // Storage full: nothing to do but keep the form working.
    }
  };

  const restore = (form, values) => {
    let restored = false;
    for (const el of fieldsOf(form)) {
      if (!(el.name in values)) continue;
      const value = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        const wanted = Array.isArray(value) ? value.includes(el.value) : false;
        if (el.checked !== wanted) restored = true;
        el.checked = wanted;
      } else if (el.tagName === "SELECT" && el.multiple) {
        for (const option of el.options) option.selected = value.includes(option.value);
      } else if (typeof value === "string" && value !== el.value) {
        el.value = value;
        restored = true;
      }
    }
    return restored;
  };

  const announce = (form) => {
    const notice = form.querySelector("[data-draft-notice]");
    if (!notice || !form.dataset.draftRestoredText) return;
    notice.textContent = form.dataset.draftRestoredText;
    notice.hidden = false;
  };

  for (const holder of document.querySelectorAll("[data-draft-clear]")) {
    for (const key of holder.dataset.draftClear.split(/\s+/)) {
      if (key) storage.removeItem(PREFIX + key);
    }
  }

  for (const form of document.querySelectorAll("form[data-draft]")) {
    // A form the server sent back with errors already holds what was posted; keep that.
    if (!("draftBound" in form.dataset)) {
      const values = read(form.dataset.draft);
      if (values && restore(form, values)) announce(form);
    }
    const keep = () => save(form);
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }
})();
