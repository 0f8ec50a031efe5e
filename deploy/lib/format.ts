/**
 * OPG amounts and times for people, as deploy code and older tests import them: the shared library's own
 * (scripts/lib/opg.ts), not a second formatter.
 */
export { OPG_DECIMALS, formatOpg, formatTime, opg, parseOpg } from "../../scripts/lib/opg";
