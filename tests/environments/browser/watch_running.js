// Sets window.__sawRunning once any cell of the notebook panel shows [*]: a run is under way (a restart alone
// keeps the old counts). Read back by state.js.
() => {
  const panel = document.querySelector('.jp-NotebookPanel');
  window.__sawRunning = false;
  if (window.__runWatch) window.__runWatch.disconnect();
  const watch = new MutationObserver(() => {
    if ([...panel.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'))) {
      window.__sawRunning = true;
      watch.disconnect();
    }
  });
  watch.observe(panel, { subtree: true, childList: true, characterData: true });
  window.__runWatch = watch;
}
