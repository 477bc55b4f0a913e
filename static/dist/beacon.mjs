// beacon.mjs: initialises every GOV.UK Frontend component on the page (Exit
// This Page, Character Count, Error Summary, Skip Link, Header, Service
// Navigation, Accordion, ...) from the elements' data-module attributes.
//
// Include it at the end of <body>, after beacon.js (see the comment there for
// the exact tags):
//
//   <script type="module" src="/static/<hash>/beacon.mjs"></script>
//
// It imports govuk-frontend.min.js (the ES module build shipped by the
// govuk-frontend package, copied beside it by build.sh) by relative URL, so it
// works from any hashed directory under a strict `script-src 'self'` CSP.
// Browsers without module support never run it: the pages work without it.
import { initAll } from './govuk-frontend.min.js'

// beacon.js normally adds this class first; adding it here too means the
// components still initialise if the classic script failed to load.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()

// The report's optional map (only where the force has a tile server).
const map = document.querySelector('[data-module="app-map"]')
if (map) import('./map.mjs').then((m) => m.initMap(map))

// GOV.UK Frontend 5 sets aria-expanded on radio and checkbox inputs that
// reveal conditional questions. ARIA 1.2 does not allow aria-expanded on
// those roles (axe-core: aria-allowed-attr), and screen readers announce
// the revealed questions anyway because they follow the input in reading
// order. So the attribute is removed whenever it is set.
for (const input of document.querySelectorAll('.govuk-radios__input[aria-controls], .govuk-checkboxes__input[aria-controls]')) {
  input.removeAttribute('aria-expanded')
  new MutationObserver(() => {
    if (input.hasAttribute('aria-expanded')) input.removeAttribute('aria-expanded')
  }).observe(input, { attributes: true, attributeFilter: ['aria-expanded'] })
}
