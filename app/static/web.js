// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button data-copy="input-id" hidden> shown only where copying works.
  if (navigator.clipboard) {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      const input = document.getElementById(button.dataset.copy);
      // A list of posts has one status line per post, the calendar page one per link's section.
      const status = (button.closest(".share-actions, section") || document).querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          if (status) status.textContent = button.dataset.copied || "Link copied.";
        } catch {
          const folded = input.closest("details");
          if (folded) folded.open = true; // a folded text cannot be selected
          input.select();
          if (status) status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selection.";
        }
      });
    }
  }

  // Post form: switching between give and ask picks a type of that kind.
  const type = document.getElementById("type");
  if (type) {
    for (const radio of document.querySelectorAll("input[name=kind]")) {
      radio.addEventListener("change", () => {
        const group = type.querySelectorAll("optgroup")[radio.value === "ask" ? 1 : 0];
        if (type.selectedOptions[0].parentElement !== group) group.querySelector("option").selected = true;
      });
    }
  }
});
