// Every page: marks that JavaScript runs (the CSS then collapses the navigation on phones behind the menu
// button), wires the menu button, and labels table cells with their column headings so that tables become
// stacked cards on phones (static/css/app.css). Without JavaScript the menu stays open and tables scroll.
document.documentElement.classList.add("js");

function setUpMenu() {
  const header = document.querySelector(".site-header");
  const button = document.getElementById("menu-button");
  if (!header || !button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = header.classList.toggle("is-collapsed") === false;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !header.classList.contains("is-collapsed")) {
      header.classList.add("is-collapsed");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
}

function stackTables() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.classList.contains("no-stack")) continue;
    const heads = Array.from(table.querySelectorAll("thead tr:last-child th"), (th) => th.textContent.trim());
    if (!heads.length) continue;
    for (const row of table.querySelectorAll("tbody tr, tfoot tr")) {
      let column = 0;
      for (const cell of row.children) {
        if (!cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
        column += Number(cell.getAttribute("colspan") || 1);
      }
    }
    table.classList.add("stacked");
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => {
    setUpMenu();
    stackTables();
  });
} else {
  setUpMenu();
  stackTables();
}
