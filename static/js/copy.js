// Copy buttons: <button data-copy="ID" hidden> copies the value of the field #ID. The button is
// hidden in the HTML and shown here, so without JavaScript the read-only field stays as it is
// (select it and copy by hand). The words come from the page (data-copied-label), so they are
// translated with the rest of it; a [data-copy-status] element next to the button announces
// the result to screen readers.
(() => {
  "use strict";

  async function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(field.value);
      return;
    }
    // Plain http on another host than localhost: no Clipboard API, the old way still works.
    field.focus();
    field.select();
    if (!document.execCommand("copy")) {
      throw new Error("copy refused");
    }
  }

  function setUp(button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) {
      return;
    }
    const label = button.querySelector("[data-copy-label]") || button;
    const status = button.parentElement.querySelector("[data-copy-status]");
    const original = label.textContent;
    let timer = 0;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await copyText(field);
      } catch {
        field.focus();
        field.select();
        return;
      }
      label.textContent = button.dataset.copiedLabel || original;
      button.classList.add("is-copied");
      if (status) {
        status.textContent = button.dataset.copiedLabel || "";
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        label.textContent = original;
        button.classList.remove("is-copied");
        if (status) {
          status.textContent = "";
        }
      }, 2000);
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(setUp);
  // A click in the read-only field selects the whole command.
  document.querySelectorAll(".copy-field input[readonly]").forEach((field) => {
    field.addEventListener("focus", () => field.select());
  });
})();
