/* Starts the NHS.UK frontend's components (header menu, error summary focus, skip link).
   An external module, because the Content-Security-Policy allows no inline script; browsers
   without modules skip it and keep the plain HTML behaviour. */
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
