// Says which Node.js ran the suite; CI sets REQUIRE_NODE_MAJOR so a suite that ran on the
// machine's own Node (not the project's pinned one) fails instead of passing unnoticed.
export default function checkNodeVersion() {
	process.stderr.write(`tests run on Node.js ${process.version} (${process.execPath})\n`)
	const required = process.env.REQUIRE_NODE_MAJOR
	if (required && process.versions.node.split('.')[0] !== required) {
		throw new Error(`Node.js ${required} is required, but the tests ran on ${process.version}: run them through npm (npm test), which uses the project's node package`)
	}
}
