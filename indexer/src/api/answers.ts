/**
 * The plain routes' JSON answers as the app types them (Hono's schema of `AppType`): the typed client's response types
 * (indexer/client/answers.ts) are printed from these by indexer/client/answers.gen.ts, so that they are written once,
 * here, by the handlers.
 */
import type { ExtractSchema } from "hono/types";

import type { AppType } from "./index";

type Routes = ExtractSchema<AppType>;
/** A GET route's JSON answer (a CSV or text answer, typed as a string, left out). */
type Answer<P extends keyof Routes> = Exclude<Routes[P]["$get"]["output"], string>;

export type Unlocks = Answer<"/unlocks/:address">;
export type UnlockTimeline = Answer<"/unlocks">;
export type Payments = Answer<"/payments/:address">;
export type Nodes = Answer<"/nodes">;
export type Operator = Answer<"/operators/:address">;
export type Escrows = Answer<"/escrows/:address">;
export type Model = Answer<"/models/:id">;
export type Stats = Answer<"/stats">;
export type DailyStats = Answer<"/stats/daily">;
