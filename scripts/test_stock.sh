#!/usr/bin/env bash
# make test-stock: stock Odoo's own tests of the modules the suite extends, run on a database that
# holds every addon of the suite, so that a stock flow or a stock query budget we break goes red.
#
#   STOCK_DB (default crm_stock)   database name; rebuilt unless KEEP_DB=1 and it is complete
#   STOCK_MODULES                  space-separated stock modules whose tests run (default below)
# Extra arguments go to pytest (e.g. -k performance).
#
# The tests run through pytest-odoo like ours, every class after everything is installed (Odoo's
# own runner would run stock's at_install tests before our addons are loaded, testing nothing of
# ours). The project's conftest does not apply here: stock's own skips stay skips.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
start=$(date +%s)
STOCK_DB=${STOCK_DB:-crm_stock}
# The modules we extend (see the README, "Tests"). mass_mailing_crm has no tests of its own: its
# flows are mass_mailing's, whose sending crm_gdpr checks; sale_margin is what crm_b2b_cpq's
# margin rules read; sale is what crm_b2b_cpq prices, approves and invoices, and what
# crm_deal_ledger follows from orders to payments.
read -r -a modules <<< "${STOCK_MODULES:-crm sale_crm sale_management website_crm_partner_assign privacy_lookup mass_mailing_crm mass_mailing sale_margin sale calendar portal}"

# Stock tests left out, each with its reason (the README's "Tests" lists them too). Everything
# else of the modules above runs.
deselected=(
    # Fails in stock Odoo 18 without any addon of ours once `website` is installed (here by
    # website_crm_partner_assign): base.group_public implies website's "exposed model" group and
    # the demo's second website adds "Multi-website", so a revoked user never holds the public
    # group alone. Stock's own runner runs it at portal's install, before website is there.
    portal/tests/test_portal_wizard.py::TestPortalWizard::test_portal_wizard_public_user
    # Stock picks a partner at random, weighted, among the graded partners of the lead's country;
    # the demo of crm_partner_channel has a graded UK reseller (weight 50) next to the test's
    # (weight 10), so the test passes one run in six. Passes on stock's demo alone.
    website_crm_partner_assign/tests/test_partner_assign.py::TestPartnerAssign::test_partner_assign
    # crm_global_b2b_cpq, deliberately: a quotation in another currency than its opportunity's
    # deal currency cannot be confirmed until a sales manager accepts it ("No silent other
    # currency"); the test confirms an INR quotation of a USD deal.
    sale_crm/tests/test_sale_crm.py::TestSaleCrm::test_sale_crm_revenue
    # crm_partner_channel, deliberately: partners register deals on the Deal Registration page
    # (duplicate check, vendor's approval), not through stock's create_opp_portal.
    website_crm_partner_assign/tests/test_partner_assign.py::TestPartnerLeadPortal::test_lead_creation
    # crm_partner_channel, deliberately: a partner accepts or declines offers only (channel_state
    # "offered", with a deadline; the routing or a vendor's later change of the assigned partner
    # makes one); the test creates its lead with the partner already assigned, which is no offer.
    website_crm_partner_assign/tests/test_partner_assign.py::TestPartnerLeadPortal::test_partner_lead_accept
    website_crm_partner_assign/tests/test_partner_assign.py::TestPartnerLeadPortal::test_partner_lead_decline
    # crm_partner_channel, deliberately: a lead (not yet an opportunity) opens on /my/lead/<id>;
    # stock sends it to /my/opportunity/<id>, a route that answers 404 for leads.
    website_crm_partner_assign/tests/test_partner_assign.py::TestPartnerLeadPortal::test_portal_mixin_url
    # Fails in stock Odoo 18 without any addon of ours (17 of the 19 inline images become
    # attachments).
    mass_mailing/tests/test_mailing_internals.py::TestMassMailValues::test_mailing_body_inline_image
    # crm_gdpr, deliberately: marketing mail reaches only people who consented to it (checked
    # when each mail is sent); these tests mail contacts and partners without any consent and
    # expect the mails sent.
    mass_mailing/tests/test_mailing_ab_testing.py::TestMailingABTesting::test_mailing_ab_testing_auto_flow
    mass_mailing/tests/test_mailing_ab_testing.py::TestMailingABTesting::test_mailing_ab_testing_auto_flow_cron
    mass_mailing/tests/test_mailing_ab_testing.py::TestMailingABTesting::test_mailing_ab_testing_manual_flow
    mass_mailing/tests/test_mailing_ab_testing.py::TestMailingABTesting::test_mailing_ab_testing_minimum_participants
    mass_mailing/tests/test_mailing_controllers.py::TestMailingTracking::test_tracking_short_code
    mass_mailing/tests/test_mailing_controllers.py::TestMailingTracking::test_tracking_url_token
    mass_mailing/tests/test_mailing_internals.py::TestMassMailFeatures::test_mailing_deletion
    mass_mailing/tests/test_mailing_internals.py::TestMassMailFeatures::test_mailing_on_res_partner
    mass_mailing/tests/test_mailing_internals.py::TestMassMailFeatures::test_mailing_shortener
    mass_mailing/tests/test_mailing_internals.py::TestMailingHeaders::test_mailing_unsubscribe_headers
    # crm_b2b_cpq's demo data: its company-wide discount and margin policy sends these quotations
    # (discounts of 60% and more, products without cost) to approval before they can be
    # confirmed. Both pass on stock's demo alone.
    sale_margin/tests/test_sale_margin.py::TestSaleMargin::test_margin_considering_product_qty
    sale_margin/tests/test_sale_margin.py::TestSaleMargin::test_negative_margin
)

if [ "${KEEP_DB:-0}" = 1 ] && "$PY" "$ROOT/scripts/db_ready.py" "$STOCK_DB" "${modules[@]}"; then
    say "Reusing $STOCK_DB"
else
    say "Fresh database $STOCK_DB with the suite and: ${modules[*]}"
    dropdb --if-exists "$STOCK_DB"
    rm -rf "${HOME}/.local/share/Odoo/filestore/$STOCK_DB"
    odoo -d "$STOCK_DB" -i "$(project_addons_csv),$(IFS=,; echo "${modules[*]}")" --stop-after-init --log-level=warn
fi

say "Running stock's tests of: ${modules[*]}"
paths=()
for module in "${modules[@]}"; do
    [ -d "$ODOO_SRC/addons/$module/tests" ] && paths+=("$ODOO_SRC/addons/$module/tests")
done
deselect_args=()
for test in "${deselected[@]}"; do deselect_args+=(--deselect "addons/$test"); done
status=0
# --rootdir outside the project: the project's conftest (skips fail) is for our tests only.
"$VENV/bin/pytest" -p no:cacheprovider -ra --rootdir="$ODOO_SRC" --odoo-config="$ODOO_CONF" \
    --odoo-database="$STOCK_DB" --odoo-http --odoo-log-level=warn "${deselect_args[@]}" \
    "${paths[@]}" "$@" || status=$?
say "make test-stock took $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
exit $status
