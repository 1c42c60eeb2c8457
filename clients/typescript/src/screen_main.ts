// node dist/screen_main.js BASE_URL: prints, as JSON, what src/screen.ts fetched (facet counts for
// q=troops, the statements that condemn or accuse, a searched page with its matches marked).
import { countBy, fetchByStance, searchMarked } from "./screen.js";

// The one Node.js global used here (the compile takes no @types packages: DOM and ES2022 only).
declare const process: { argv: string[] };

const baseUrl = process.argv[2] ?? "http://127.0.0.1:8000";
const counts = await countBy(baseUrl, "troops");
const { url, statements } = await fetchByStance(baseUrl, ["condemn", "accuse"]);
const marked = await searchMarked(baseUrl, "korea*");
console.log(JSON.stringify({ counts, url, statements: statements.map((s) => [s.id, s.stance]), marked }));
