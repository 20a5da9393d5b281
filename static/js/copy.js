// A button with data-copy="<selector>" copies that element's text to the clipboard and says so.
// Shown only where the Clipboard API exists (a secure context); elsewhere the text stays selectable.
document.querySelectorAll("[data-copy]").forEach((button) => {
  if (!navigator.clipboard) return;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
