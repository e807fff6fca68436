// Scrolls the notebook panel to `top` pixels (unless null); returns [scrollTop, scrollHeight, clientHeight].
(top) => {
  const panel = document.querySelector('.jp-NotebookPanel');
  const outer = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
  if (top !== null) outer.scrollTop = top;
  return [outer.scrollTop, outer.scrollHeight, outer.clientHeight];
}
