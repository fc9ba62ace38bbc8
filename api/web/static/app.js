// Enhancement only: every page works without it. GOV.UK Frontend's
// components start when <body> has govuk-frontend-supported (set here, as
// no inline script is allowed by the Content-Security-Policy).
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
