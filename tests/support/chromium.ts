/** Debian's Chromium, as every browser run here starts it: never a downloaded browser, no calls home. */
export const chromiumLaunchOptions = {
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-component-update',
		'--no-first-run',
		'--disable-quic',
		'--disable-sync',
	],
}
