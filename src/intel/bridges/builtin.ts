/**
 * Tor Browser's built-in bridges, current and past: the data behind `tor-bridge` (obfs4 address:port
 * pairs) and behind the meek and Snowflake rules (broker URLs, front domains, ICE servers). Kept as
 * bridge lines exactly as Tor Browser ships them, read by the same parser as `--bridges` files
 * (bridge-line.ts), so a reviewer can diff them against the sources below line by line.
 *
 * Compiled 2026-12-06 from the stored snapshots of tor-browser-build (the repository Tor Browser is
 * built from), one source per era of the file that held the list:
 *
 *   bridge_prefs.js   projects/tor-browser/Bundle-Data/PTConfigs/bridge_prefs.js @ 94c90e88
 *                     (Tor Launcher's extensions.torlauncher.default_bridge.* prefs; Tor Browser up
 *                     to 11.5, 2022)
 *   bridges_list      projects/common/bridges_list.{obfs4,meek-azure,snowflake}.txt @ 1ed4561c,
 *                     55f89756, 1f25d10c (Tor Browser 12 to 13.0, 2022-2023)
 *   pt_config@f60ea24 projects/tor-expert-bundle/pt_config.json @ f60ea24e (2024-2025: meek moved
 *                     to cdn77 with front www.phpmyadmin.net; Snowflake on cdn77)
 *   pt_config@00ff7fc projects/tor-expert-bundle/pt_config.json @ 00ff7fc6 (Snowflake on Netlify,
 *                     front vuejs.org; tor-browser-build#41574, 2025-10)
 *   bug-41609         tor-browser-build#41609 (2025-10-22, "Use new CDN77 fronts for snowflake"):
 *                     not in a stored tor-browser-build snapshot; taken from several independent
 *                     projects that copy Tor Browser's bridge lines verbatim, which agree on it
 *   snowflake-readme  Snowflake's own README and torrc examples before Tor Browser shipped it
 *                     (2019-2021: broker on Azure, front ajax.aspnetcdn.com, Google's STUN server)
 *   onion-browser     Onion Browser (iOS) and Orbot copies of Tor Browser's 2016-2019 defaults:
 *                     meek on Amazon CloudFront and Azure, the 154.35.22.x obfs4 bridges
 *   snowflake-2024    the 2024 Snowflake line (Fastly broker, fronts foursquare.com and
 *                     github.githubassets.com) as copied by projects that track Tor Browser's list,
 *                     after cdn.sstatic.net stopped fronting (March 2024)
 *
 * `current` = in the newest list above. Dates are the era of the list, not when a bridge started or
 * stopped running: a past bridge may still run (and be used from an old Tor Browser or a torrc), so it
 * still alerts, and the alert says it is a past entry.
 *
 * meek's and Snowflake's bridge addresses (192.0.2.x, 0.0.2.0) are placeholders tor never dials: they
 * give no endpoint (see dialsAddress); their URLs, fronts and ICE servers are the observable part.
 * The meek front www.google.com (meek-google, until 2016) is left out on purpose: every browser in the
 * world sends that SNI; its broker meek-reflect.appspot.com is kept.
 */
export interface BuiltinBridge {
  /** The bridge line as shipped (transport, placeholder or real address:port, fingerprint, arguments). */
  line: string;
  status: 'current' | 'past';
  /** The sources above that list it. */
  seen: string[];
}

export const BUILTIN_BRIDGES_COMPILED = '2026-12-06';
export const BUILTIN_BRIDGES_SOURCE = 'https://gitlab.torproject.org/tpo/applications/tor-browser-build/-/blob/main/projects/tor-expert-bundle/pt_config.json';

const PT_CONFIG = ['pt_config@f60ea24', 'pt_config@00ff7fc'];
const ALL_ERAS = ['bridge_prefs.js', 'bridges_list', ...PT_CONFIG];

export const BUILTIN_BRIDGES: readonly BuiltinBridge[] = [
  // --- obfs4: the current eleven (pt_config.json), most there since bridge_prefs.js ---
  { line: 'obfs4 192.95.36.142:443 CDF2E852BF539B82BD10E27E9115A31734E378C2 cert=qUVQ0srL1JI/vO6V6m/24anYXiJD3QP2HgzUKQtQ7GRqqUvs7P+tG43RtAqdhLOALP7DJQ iat-mode=1', status: 'current', seen: ['onion-browser', ...ALL_ERAS] },
  { line: 'obfs4 37.218.245.14:38224 D9A82D2F9C2F65A18407B1D2B764F130847F8B5D cert=bjRaMrr1BRiAW8IE9U5z27fQaYgOhX1UCmOpg2pFpoMvo6ZgQMzLsaTzzQNTlm7hNcb+Sg iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 85.31.186.98:443 011F2599C0E9B27EE74B353155E244813763C3E5 cert=ayq0XzCwhpdysn5o0EyDUbmSOx3X/oTEbzDMvczHOdBJKlvIdHHLJGkZARtT4dcBFArPPg iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 85.31.186.26:443 91A6354697E6B02A386312F68D82CF86824D3606 cert=PBwr+S8JTVZo6MPdHnkTwXJPILWADLqfMGoVvhZClMq/Urndyd42BwX9YFJHZnBB3H0XCw iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 193.11.166.194:27015 2D82C2E354D531A68469ADF7F878FA6060C6BACA cert=4TLQPJrTSaDffMK7Nbao6LC7G9OW/NHkUwIdjLSS3KYf0Nv4/nQiiI8dY2TcsQx01NniOg iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 193.11.166.194:27020 86AC7B8D430DAC4117E9F42C9EAED18133863AAF cert=0LDeJH4JzMDtkJJrFphJCiPqKx7loozKN7VNfuukMGfHO0Z8OGdzHVkhVAOfo1mUdv9cMg iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 193.11.166.194:27025 1AE2C08904527FEA90C4C4F8C1083EA59FBC6FAF cert=ItvYZzW5tn6v3G4UnQa6Qz04Npro6e81AP70YujmK/KXwDFPTs3aHXcHp4n8Vt6w/bv8cA iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 209.148.46.65:443 74FAD13168806246602538555B5521A0383A1875 cert=ssH+9rP8dG2NLDN2XuFw63hIO/9MNNinLmxQDpVa+7kTOa9/m+tGWT1SmSYpQ9uTBGa6Hw iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 146.57.248.225:22 10A6CD36A537FCE513A322361547444B393989F0 cert=K1gDtDAIcUfeLqbstggjIw2rtgIKqdIhUlHp82XRqNSq/mtAjp1BIC9vHKJ2FAEpGssTPw iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 45.145.95.6:27015 C5B7CD6946FF10C5B3E89691A7D3F2C122D2117C cert=TD7PbUO0/0k6xYHMPW3vJxICfkMZNdkRrb63Zhl5j9dW3iRGiCx0A7mPhe5T2EDzQ35+Zw iat-mode=0', status: 'current', seen: ALL_ERAS },
  { line: 'obfs4 51.222.13.177:80 5EDAC3B810E12B01F6FD8050D2FD3E277B289A08 cert=2uplIpLQ0q9+0qMFrK5pkaYRDOe460LL9WHBvatgkuRr/SL31wBOEupaMMJ6koRE6Ld0ew iat-mode=0', status: 'current', seen: ALL_ERAS },

  // --- obfs4: past ---
  { line: 'obfs4 [2a0c:4d80:42:702::1]:27015 C5B7CD6946FF10C5B3E89691A7D3F2C122D2117C cert=TD7PbUO0/0k6xYHMPW3vJxICfkMZNdkRrb63Zhl5j9dW3iRGiCx0A7mPhe5T2EDzQ35+Zw iat-mode=0', status: 'past', seen: ['bridge_prefs.js', 'bridges_list'] },
  { line: 'obfs4 38.229.1.78:80 C8CBDB2464FC9804A69531437BCF2BE31FDD2EE4 cert=Hmyfd2ev46gGY7NoVxA9ngrPF2zCZtzskRTzoWXbxNkzeVnGFPWmrTtILRyqCTjHR+s9dg iat-mode=1', status: 'past', seen: ['onion-browser', 'bridge_prefs.js', 'bridges_list'] },
  { line: 'obfs4 38.229.33.83:80 0BAC39417268B96B9F514E7F63FA6FBA1A788955 cert=VwEFpk9F/UN9JED7XpG1XOjm/O8ZCXK80oPecgWnNDZDv5pdkhq1OpbAH0wNqOT6H6BmRQ iat-mode=1', status: 'past', seen: ['bridge_prefs.js', 'bridges_list'] },
  { line: 'obfs4 144.217.20.138:80 FB70B257C162BF1038CA669D568D76F5B7F0BABB cert=vYIV5MgrghGQvZPIi1tJwnzorMgqgmlKaB77Y3Z9Q/v94wZBOAXkW+fdx4aSxLVnKO+xNw iat-mode=0', status: 'past', seen: ['bridge_prefs.js'] },
  { line: 'obfs4 185.100.87.30:443 5B403DFE34F4872EB027059CECAE30B0C864B3A2 cert=bWUdFUe8io9U6JkSLoGAvSAUDcB779/shovCYmYAQb/pW/iEAMZtO/lCd94OokOF909TPA iat-mode=2', status: 'past', seen: ['bridge_prefs.js'] },
  { line: 'obfs4 154.35.22.10:15937 8FB9F4319E89E5C6223052AA525A192AFBC85D55 cert=GGGS1TX4R81m3r0HBl79wKy1OtPPNR2CZUIrHjkRg65Vc2VR8fOyo64f9kmT1UAFG7j0HQ iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.10:80 8FB9F4319E89E5C6223052AA525A192AFBC85D55 cert=GGGS1TX4R81m3r0HBl79wKy1OtPPNR2CZUIrHjkRg65Vc2VR8fOyo64f9kmT1UAFG7j0HQ iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.10:443 8FB9F4319E89E5C6223052AA525A192AFBC85D55 cert=GGGS1TX4R81m3r0HBl79wKy1OtPPNR2CZUIrHjkRg65Vc2VR8fOyo64f9kmT1UAFG7j0HQ iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.11:80 A832D176ECD5C7C6B58825AE22FC4C90FA249637 cert=YPbQqXPiqTUBfjGFLpm9JYEFTBvnzEJDKJxXG5Sxzrr/v2qrhGU4Jls9lHjLAhqpXaEfZw iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.11:443 A832D176ECD5C7C6B58825AE22FC4C90FA249637 cert=YPbQqXPiqTUBfjGFLpm9JYEFTBvnzEJDKJxXG5Sxzrr/v2qrhGU4Jls9lHjLAhqpXaEfZw iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.12:80 00DC6C4FA49A65BD1472993CF6730D54F11E0DBB cert=N86E9hKXXXVz6G7w2z8wFfhIDztDAzZ/3poxVePHEYjbKDWzjkRDccFMAnhK75fc65pYSg iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.12:4304 00DC6C4FA49A65BD1472993CF6730D54F11E0DBB cert=N86E9hKXXXVz6G7w2z8wFfhIDztDAzZ/3poxVePHEYjbKDWzjkRDccFMAnhK75fc65pYSg iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.13:443 FE7840FE1E21FE0A0639ED176EDA00A3ECA1E34D cert=fKnzxr+m+jWXXQGCaXe4f2gGoPXMzbL+bTBbXMYXuK0tMotd+nXyS33y2mONZWU29l81CA iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.13:16815 FE7840FE1E21FE0A0639ED176EDA00A3ECA1E34D cert=fKnzxr+m+jWXXQGCaXe4f2gGoPXMzbL+bTBbXMYXuK0tMotd+nXyS33y2mONZWU29l81CA iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.9:80 C73ADBAC8ADFDBF0FC0F3F4E8091C0107D093716 cert=gEGKc5WN/bSjFa6UkG9hOcft1tuK+cV8hbZ0H6cqXiMPLqSbCh2Q3PHe5OOr6oMVORhoJA iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.9:443 C73ADBAC8ADFDBF0FC0F3F4E8091C0107D093716 cert=gEGKc5WN/bSjFa6UkG9hOcft1tuK+cV8hbZ0H6cqXiMPLqSbCh2Q3PHe5OOr6oMVORhoJA iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 154.35.22.9:12166 C73ADBAC8ADFDBF0FC0F3F4E8091C0107D093716 cert=gEGKc5WN/bSjFa6UkG9hOcft1tuK+cV8hbZ0H6cqXiMPLqSbCh2Q3PHe5OOr6oMVORhoJA iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 198.245.60.50:443 752CF7825B3B9EA6A98C83AC41F7099D67007EA5 cert=xpmQtKUqQ/6v5X7ijgYE/f03+l2/EuQ1dexjyUhh16wQlu/cpXUGalmhDIlhuiQPNEKmKw iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 192.99.11.54:443 7B126FAB960E5AC6A629C729434FF84FB5074EC2 cert=VW5f8+IBUWpPFxF+rsiVy2wXkyTQG7vEd+rHeN2jV5LIDNu8wMNEOqZXPwHdwMVEBdqXEw iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 109.105.109.165:10527 8DFCD8FB3285E855F5A55EDDA35696C743ABFC4E cert=Bvg/itxeL4TWKLP6N1MaQzSOC6tcRIBv6q57DYAZc3b2AzuM+/TfB7mqTFEfXILCjEwzVA iat-mode=1', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 83.212.101.3:50002 A09D536DD1752D542E1FBB3C9CE4449D51298239 cert=lPRQ/MXdD1t5SRZ9MquYQNT9m5DV757jtdXdlePmRCudUU9CFUOX1Tm7/meFSyPOsud7Cw iat-mode=0', status: 'past', seen: ['onion-browser'] },
  { line: 'obfs4 85.17.30.79:443 FC259A04A328A07FED1413E9FC6526530D9FD87A cert=RutxZlu8BtyP+y0NX7bAVD41+J/qXNhHUrKjFkRSdiBAhIHIQLhKQ2HxESAKZprn/lR3KA iat-mode=0', status: 'past', seen: ['onion-browser'] },

  // --- meek ---
  { line: 'meek_lite 192.0.2.20:80 url=https://1603026938.rsc.cdn77.org front=www.phpmyadmin.net utls=HelloRandomizedALPN', status: 'current', seen: ['pt_config@00ff7fc'] },
  { line: 'meek_lite 192.0.2.18:80 BE776A53492E1E044A26F17306E1BC46A55A1625 url=https://meek.azureedge.net/ front=ajax.aspnetcdn.com', status: 'past', seen: ['pt_config@f60ea24'] },
  { line: 'meek_lite 192.0.2.2:2 97700DFE9F483596DDA6264C4D7DF7641E1E39CE url=https://meek.azureedge.net/ front=ajax.aspnetcdn.com', status: 'past', seen: ['bridge_prefs.js', 'bridges_list'] },
  { line: 'meek 0.0.2.0:2 B9E7141C594AF25699E0079C1F0146F409495296 url=https://d2cly7j4zqgua7.cloudfront.net/ front=a0.awsstatic.com', status: 'past', seen: ['onion-browser'] },
  { line: 'meek 0.0.2.0:2 url=https://d2zfqthxsdq309.cloudfront.net/ front=a0.awsstatic.com', status: 'past', seen: ['onion-browser'] },
  { line: 'meek 0.0.2.0:3 A2C13B7DFCAB1CBF3A884B6EB99A98067AB6EF44 url=https://az786092.vo.msecnd.net/ front=ajax.aspnetcdn.com', status: 'past', seen: ['onion-browser'] },
  { line: 'meek 0.0.2.0:3 url=https://az668014.vo.msecnd.net/ front=ajax.aspnetcdn.com', status: 'past', seen: ['onion-browser'] },
  // meek-google: front www.google.com left out on purpose (see above).
  { line: 'meek 0.0.2.0:1 url=https://meek-reflect.appspot.com/', status: 'past', seen: ['onion-browser'] },

  // --- Snowflake ---
  { line: 'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://1098762253.rsc.cdn77.org/ fronts=app.datapacket.com,www.datapacket.com ice=stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.telnyx.com:3478,stun:stun.hot-chilli.net:3478,stun:stun.fitauto.ru:3478,stun:stun.m-online.net:3478 utls-imitate=hellorandomizedalpn', status: 'current', seen: ['bug-41609'] },
  { line: 'snowflake 192.0.2.4:80 8838024498816A039FCBBAB14E6F40A0843051FA fingerprint=8838024498816A039FCBBAB14E6F40A0843051FA url=https://1098762253.rsc.cdn77.org/ fronts=app.datapacket.com,www.datapacket.com ice=stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.telnyx.com:3478,stun:stun.hot-chilli.net:3478,stun:stun.fitauto.ru:3478,stun:stun.m-online.net:3478 utls-imitate=hellorandomizedalpn', status: 'current', seen: ['bug-41609'] },
  { line: 'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://voluble-torrone-fc39bf.netlify.app/ fronts=vuejs.org ice=stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.nextcloud.com:3478,stun:stun.bethesda.net:3478,stun:stun.nextcloud.com:443 utls-imitate=hellorandomizedalpn', status: 'past', seen: ['pt_config@00ff7fc'] },
  { line: 'snowflake 192.0.2.4:80 8838024498816A039FCBBAB14E6F40A0843051FA fingerprint=8838024498816A039FCBBAB14E6F40A0843051FA url=https://voluble-torrone-fc39bf.netlify.app/ fronts=vuejs.org ice=stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.nextcloud.com:3478,stun:stun.bethesda.net:3478,stun:stun.nextcloud.com:443 utls-imitate=hellorandomizedalpn', status: 'past', seen: ['pt_config@00ff7fc'] },
  { line: 'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://1098762253.rsc.cdn77.org/ fronts=www.cdn77.com,www.phpmyadmin.net ice=stun:stun.antisip.com:3478,stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.nextcloud.com:3478,stun:stun.bethesda.net:3478,stun:stun.nextcloud.com:443 utls-imitate=hellorandomizedalpn', status: 'past', seen: ['pt_config@f60ea24'] },
  { line: 'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://snowflake-broker.torproject.net.global.prod.fastly.net/ fronts=foursquare.com,github.githubassets.com ice=stun:stun.l.google.com:19302,stun:stun.antisip.com:3478,stun:stun.bluesip.net:3478,stun:stun.dus.net:3478,stun:stun.epygi.com:3478,stun:stun.sonetel.com:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.voys.nl:3478 utls-imitate=hellorandomizedalpn', status: 'past', seen: ['snowflake-2024'] },
  { line: 'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://snowflake-broker.torproject.net.global.prod.fastly.net/ front=cdn.sstatic.net ice=stun:stun.l.google.com:19302,stun:stun.altar.com.pl:3478,stun:stun.antisip.com:3478,stun:stun.bluesip.net:3478,stun:stun.dus.net:3478,stun:stun.epygi.com:3478,stun:stun.sonetel.com:3478,stun:stun.sonetel.net:3478,stun:stun.stunprotocol.org:3478,stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,stun:stun.voys.nl:3478 utls-imitate=hellorandomizedalpn', status: 'past', seen: ['bridges_list'] },
  { line: 'snowflake 192.0.2.3:1 2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://snowflake-broker.azureedge.net/ front=ajax.aspnetcdn.com ice=stun:stun.l.google.com:19302', status: 'past', seen: ['snowflake-readme'] },
];

/**
 * Rendezvous names that are no bridge line's argument: Snowflake's AMP cache (its `-ampcache` option,
 * used by Orbot and Tor Browser's censorship circumvention settings) and conjure's registration server
 * (`-registerURL` on the ClientTransportPlugin line of pt_config.json).
 */
export const BUILTIN_RENDEZVOUS: readonly { name: string; transport: string; role: 'amp-cache' | 'broker'; status: 'current' | 'past'; seen: string[] }[] = [
  { name: 'cdn.ampproject.org', transport: 'snowflake', role: 'amp-cache', status: 'current', seen: ['snowflake-readme'] },
  { name: 'registration.refraction.network', transport: 'conjure', role: 'broker', status: 'current', seen: PT_CONFIG },
];
