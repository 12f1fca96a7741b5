'use strict';
// The front page shows at once without its damages (the fee-totals report, seconds on a large desk),
// then asks for them and puts their tile and chart in place (templates/admin/dashboard_damages.html).
{
    const holder = document.getElementById('dash-damages');
    const pending = document.getElementById('tile-damages');
    if (holder && pending) {
        fetch(holder.dataset.url, {credentials: 'same-origin'})
            .then((response) => response.ok ? response.text() : Promise.reject(response.status))
            .then((html) => {
                const part = new DOMParser().parseFromString(html, 'text/html');
                pending.replaceWith(part.getElementById('tile-damages'));
                const panel = part.getElementById('chart-damages-panel');
                const grid = document.querySelector('.dash-grid');
                const after = document.getElementById('reserve-shortfalls');
                if (grid && after && after.parentNode === grid) {
                    grid.insertBefore(panel, after);
                } else if (grid) {
                    grid.appendChild(panel);
                }
            })
            .catch(() => {
                pending.querySelector('.dash-note').textContent = 'could not be worked out here: open the report';
            });
    }
}
