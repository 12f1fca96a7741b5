/* "Add another" on a page whose inlines' blank rows come when asked for (deals.admin.BlankRowsOnDemandMixin).

The page holds a stand-in for each blank row: the row's element, with the same id and classes, and no field
in it. The first click on an inline's "Add another" asks the page for that inline's blank row
(?blank_row=<prefix>), puts it where the stand-in was and clicks again: Django's inlines.js then copies it as
it always does. A row that cannot be fetched (no answer, an error, the session ended) is said beside the
link, and nothing is added. */
'use strict';
{
    const PARAM = 'blank_row';

    const isStandIn = (row) => row.querySelector('input, select, textarea') === null;

    const prefixOf = (group) => JSON.parse(group.dataset.inlineFormset).options.prefix;

    function say(link, text) {
        const place = link.parentElement;
        let note = place.querySelector('.blank-row-error');
        if (!note) {
            note = document.createElement('span');
            note.className = 'blank-row-error errornote';
            note.setAttribute('role', 'alert');
            place.append(' ', note);
        }
        note.textContent = text;
    }

    // The session ended (the admin answered with its sign-in page): saving now would lose what was typed.
    class SignedOut extends Error {}

    async function fetchBlankRow(prefix) {
        const address = new URL(window.location.href);
        address.searchParams.set(PARAM, prefix);
        const response = await fetch(address, {credentials: 'same-origin'});
        if (!response.ok) {
            throw new Error(`the desk answered ${response.status}`);
        }
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        if (page.getElementById('login-form') !== null) {
            throw new SignedOut();
        }
        const row = page.getElementById(`${prefix}-empty`);
        if (row === null || isStandIn(row)) {
            throw new Error('the answer held no blank row');
        }
        return document.importNode(row, true);
    }

    // Capturing, so it runs before inlines.js's own handler on the link, which copies the blank row.
    document.addEventListener('click', (event) => {
        const link = event.target.closest('.js-inline-admin-formset .add-row a');
        if (link === null) {
            return;
        }
        const prefix = prefixOf(link.closest('.js-inline-admin-formset'));
        const standIn = document.getElementById(`${prefix}-empty`);
        if (standIn === null || !isStandIn(standIn)) {
            return;
        }
        event.preventDefault();
        event.stopPropagation();
        if (link.getAttribute('aria-busy') === 'true') {
            return;
        }
        link.setAttribute('aria-busy', 'true');
        fetchBlankRow(prefix).then((row) => {
            standIn.replaceWith(row);
            link.parentElement.querySelector('.blank-row-error')?.remove();
            link.removeAttribute('aria-busy');
            link.click();
        }).catch((error) => {
            link.removeAttribute('aria-busy');
            if (error instanceof SignedOut) {
                say(link, 'No row was added: you are no longer signed in. Sign in again in another tab, then ' +
                    'click again; saving this page now would lose what you typed.');
                return;
            }
            // fetch() fails with a TypeError when no answer came at all (the network, the desk stopped).
            const why = error instanceof TypeError ? 'the desk could not be reached' : error.message;
            say(link, `No row was added: the blank row could not be loaded (${why}). Save the page, then try again.`);
        });
    }, true);

    // inlines.js spans its "Add another" table cell over the last row's cells; a stand-in has two. Span
    // the whole table, as it would over the real blank row.
    django.jQuery(function() {
        for (const cell of document.querySelectorAll('.js-inline-admin-formset .tabular tr.add-row > td')) {
            cell.colSpan = cell.closest('table').querySelectorAll('thead th').length;
        }
    });
}
