// node dist/main.js BASE_URL: prints the rendered list of who in Seoul said what.
import { renderSeoulSpeakers } from "./speakers.js";

// The one Node.js global used here (the compile takes no @types packages: DOM and ES2022 only).
declare const process: { argv: string[] };

const baseUrl = process.argv[2] ?? "http://127.0.0.1:8000";
console.log(await renderSeoulSpeakers(baseUrl));
