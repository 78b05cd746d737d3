import { describe, expect, it } from 'vitest';
import { parseFlatPlist } from './plist.ts';

const GOOGLE_SERVICE_INFO = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>API_KEY</key>
	<string>AIzaSyExample&amp;Key</string>
	<key>GCM_SENDER_ID</key>
	<string>123456789012</string>
	<key>PLIST_VERSION</key>
	<string>1</string>
	<key>BUNDLE_ID</key>
	<string>org.example.beiwe</string>
	<key>PROJECT_ID</key>
	<string>example-study</string>
	<key>IS_ADS_ENABLED</key>
	<false/>
	<key>IS_GCM_ENABLED</key>
	<true/>
	<key>IS_SIGNIN_ENABLED</key>
	<true/>
	<key>DATABASE_URL</key>
	<string/>
	<key>PORT</key>
	<integer>443</integer>
</dict>
</plist>
`;

describe('parseFlatPlist', () => {
  it("reads Firebase's GoogleService-Info.plist into the dict Beiwe serves", () => {
    expect(parseFlatPlist(GOOGLE_SERVICE_INFO)).toEqual({
      API_KEY: 'AIzaSyExample&Key',
      GCM_SENDER_ID: '123456789012',
      PLIST_VERSION: '1',
      BUNDLE_ID: 'org.example.beiwe',
      PROJECT_ID: 'example-study',
      IS_ADS_ENABLED: false,
      IS_GCM_ENABLED: true,
      IS_SIGNIN_ENABLED: true,
      DATABASE_URL: '',
      PORT: 443,
    });
  });

  it('refuses what is not a flat property list', () => {
    expect(() => parseFlatPlist('{"API_KEY": "x"}')).toThrow(/expected an XML property list/);
    expect(() => parseFlatPlist('<plist><dict><key>A</key><array/></dict></plist>')).toThrow(/unexpected content/);
  });
});
