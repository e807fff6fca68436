// What the current notebook panel shows (there is one: the URL resets the workspace), for tests/environments/browser.py.
// Argument: the MIME type of stderr outputs. Returns null while no notebook panel is shown.
(stderrMime) => {
  const panel = document.querySelector('.jp-NotebookPanel');
  if (!panel) return null;
  const tabs = [...document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')];
  return {
    cells: panel.querySelectorAll('.jp-Notebook .jp-Cell').length,
    prompts: [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map((e) => e.textContent.trim()),
    // Pictures in the saved outputs, and apart from them the pictures inside widgets (09's studio), which a file never holds.
    images: [...panel.querySelectorAll('.jp-RenderedImage img')]
      .filter((i) => !i.closest('.jupyter-widgets'))
      .map((i) => (i.complete ? i.naturalWidth : -1)),
    widget_images: [...panel.querySelectorAll('.jupyter-widgets .jp-RenderedImage img')].map((i) => (i.complete ? i.naturalWidth : -1)),
    errors: [...panel.querySelectorAll(`.jp-RenderedText[data-mime-type="${stderrMime}"]`)].map((e) => e.innerText),
    kernel: panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status ?? '',
    dirty: tabs.filter((t) => t.classList.contains('jp-mod-dirty')).map((t) => t.textContent.trim()),
    tabs: tabs.map((t) => t.textContent.trim()),
    ran: window.__sawRunning === true,
  };
}
