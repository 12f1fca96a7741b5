// The review page (templates/intake/review.html): pointing at a proposal marks the words it came from;
// clicking it (or focusing it) also scrolls the agreement's text to them.
(function () {
    "use strict";
    const text = document.getElementById("intake-text");
    const pane = document.getElementById("intake-text-pane");
    if (!text || !pane) return;
    const pieces = Array.from(text.children).map((node) => ({node, from: Number(node.dataset.from)}));
    let marked = [];
    let current = null;

    function mark(card) {
        marked.forEach((node) => node.classList.remove("intake-mark"));
        const start = Number(card.dataset.start), end = Number(card.dataset.end);
        marked = pieces.filter((piece) => piece.from >= start && piece.from < end).map((piece) => piece.node);
        marked.forEach((node) => node.classList.add("intake-mark"));
        return marked;
    }

    function show(card) {
        if (current) current.classList.remove("intake-current");
        current = card;
        card.classList.add("intake-current");
        const nodes = mark(card);
        if (nodes.length) pane.scrollTop = Math.max(0, nodes[0].offsetTop - 60);
    }

    document.querySelectorAll(".intake-card").forEach((card) => {
        card.addEventListener("mouseenter", () => mark(card));
        card.addEventListener("mouseleave", () => { if (current) mark(current); });
        card.addEventListener("focus", () => show(card));
        card.addEventListener("click", (event) => {
            if (event.target.closest("button, a, input, textarea, select, label")) return;
            show(card);
        });
    });
    // A section link scrolls the text pane to the section, not the page.
    document.querySelectorAll("a.intake-section-link").forEach((link) => {
        link.addEventListener("click", (event) => {
            const target = document.getElementById(link.getAttribute("href").slice(1));
            if (!target) return;
            event.preventDefault();
            pane.scrollTop = Math.max(0, target.offsetTop - 20);
        });
    });
    // Back from a decision (#p-12): that proposal is shown and its words marked.
    if (location.hash.startsWith("#p-")) {
        const card = document.getElementById(location.hash.slice(1));
        if (card) { card.scrollIntoView({block: "center"}); show(card); }
    }
})();
