document.addEventListener("click", function (e) {
  var a = e.target.closest ? e.target.closest("a.kb-cite") : null;
  if (!a) return;
  var card = document.getElementById(a.getAttribute("href").slice(1));
  if (!card) return;
  e.preventDefault(); e.stopPropagation();
  var turn = card.closest("details"); if (turn) turn.open = true;
  card.scrollIntoView({behavior: "smooth", block: "center"});
  card.classList.remove("kb-flash"); void card.offsetWidth; card.classList.add("kb-flash");
}, true);
