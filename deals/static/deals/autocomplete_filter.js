'use strict';
// The list filters whose row is found by typing (deals.admin.AutocompleteFilter): picking a row,
// or clearing the box, reloads the list with that filter.
{
    const $ = django.jQuery;
    $(function() {
        $('select[data-filter-pick]').on('change', function() {
            const picked = this.value;
            window.location.search = picked
                ? this.dataset.filterPick.replace('__picked__', encodeURIComponent(picked))
                : this.dataset.filterAll;
        });
    });
}
