// Enhancement only: every page works without it. GOV.UK Frontend's
// components start when <body> has govuk-frontend-supported (set here, as
// no inline script is allowed by the Content-Security-Policy).
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// A meeting's decision form: the new owner is one of the officers who
// hold the owner role chosen, and the replacement to confirm is that
// role's holder's. Without script every role's officers are offered,
// grouped by role, with a box for each holder.
for (const role of document.querySelectorAll('select[name=role][data-app-owner-role]')) {
  const parts = role.form.querySelectorAll('[data-app-owner-role]:not(select)')
  const owner = role.form.querySelector('select[name=officer_id]')
  const show = () => {
    for (const part of parts) {
      const on = part.dataset.appOwnerRole === role.value
      part.hidden = !on
      part.style.display = on ? '' : 'none'
      if (part.tagName === 'OPTGROUP') part.disabled = !on
    }
    if (owner.selectedOptions[0] && owner.selectedOptions[0].parentElement.disabled) owner.value = ''
  }
  role.addEventListener('change', show)
  show()
}
