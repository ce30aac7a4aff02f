/*
 * On-screen keyboard layouts for Guichet.
 *
 * Rows are space-separated keys; {name} marks a special key:
 *   {bksp} delete, {shift} capitals, {space}, {done} hide the keyboard,
 *   {switch} toggle between the Latin layout and the applicant's own script.
 * The Arabic rows come from simple-keyboard-layouts (MIT licence,
 * (c) 2019 Francisco Hodge and contributors), reduced to the keys a touch
 * screen needs; Dari, Pashto, Ukrainian, Russian and Bengali follow their
 * national layouts, letters only (the kiosk uses them to find a country or a
 * city by its name in the applicant's script). Chinese has no layout: typing
 * it needs an input method; those applicants use the Latin keyboard. The Latin layout is French AZERTY with the accented letters
 * French names and addresses use, on their own row.
 */
window.GuichetKeyboardLayouts = {
  latin: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "a z e r t y u i o p",
      "q s d f g h j k l m",
      "{shift} w x c v b n - ' {shift}",
      "é è ê ë à â ç ù û ô î ï œ",
      "{switch} , . {space} {done}"
    ],
    shift: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "A Z E R T Y U I O P",
      "Q S D F G H J K L M",
      "{shift} W X C V B N - ' {shift}",
      "É È Ê Ë À Â Ç Ù Û Ô Î Ï Œ",
      "{switch} , . {space} {done}"
    ]
  },
  email: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "a z e r t y u i o p",
      "q s d f g h j k l m",
      "w x c v b n - _ .",
      "@ .fr .com {done}"
    ]
  },
  url: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "a z e r t y u i o p",
      "q s d f g h j k l m",
      "w x c v b n - _ . / :",
      "https:// .gouv.fr .fr {done}"
    ]
  },
  code: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "A Z E R T Y U I O P",
      "Q S D F G H J K L M",
      "W X C V B N {done}"
    ]
  },
  digits: {
    default: [
      "1 2 3",
      "4 5 6",
      "7 8 9",
      "{done} 0 {bksp}"
    ]
  },
  phone: {
    default: [
      "1 2 3",
      "4 5 6",
      "7 8 9",
      "+ 0 {bksp}",
      "{done}"
    ]
  },
  ar: {
    rtl: true,
    default: [
      "١ ٢ ٣ ٤ ٥ ٦ ٧ ٨ ٩ ٠ {bksp}",
      "ض ص ث ق ف غ ع ه خ ح ج د",
      "ش س ي ب ل ا ت ن م ك ط",
      "ئ ء ؤ ر لا ى ة و ز ظ ذ",
      "{switch} ، . {space} {done}"
    ]
  },
  /* Dari: the standard Persian layout, Persian digits. */
  fa: {
    rtl: true,
    default: [
      "۱ ۲ ۳ ۴ ۵ ۶ ۷ ۸ ۹ ۰ {bksp}",
      "ض ص ث ق ف غ ع ه خ ح ج چ",
      "ش س ی ب ل ا ت ن م ک گ",
      "ظ ط ز ر ذ د پ و ژ آ ئ",
      "{switch} ، . {space} {done}"
    ]
  },
  /* Pashto: the Persian letters and Pashto's own (ټ ځ څ ډ ړ ږ ښ ګ ڼ ۍ ې). */
  ps: {
    rtl: true,
    default: [
      "۱ ۲ ۳ ۴ ۵ ۶ ۷ ۸ ۹ ۰ {bksp}",
      "ض ص ث ق ف غ ع ه خ ح ج چ",
      "ش س ی ب ل ا ت ن م ک ګ",
      "ظ ط ز ر ذ د پ و ژ آ ي ې",
      "ټ ځ څ ډ ړ ږ ښ ڼ ۍ ئ",
      "{switch} ، . {space} {done}"
    ]
  },
  uk: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "й ц у к е н г ш щ з х ї",
      "ф і в а п р о л д ж є ґ",
      "я ч с м и т ь б ю ' -",
      "{switch} , . {space} {done}"
    ]
  },
  ru: {
    default: [
      "1 2 3 4 5 6 7 8 9 0 {bksp}",
      "й ц у к е н г ш щ з х ъ",
      "ф ы в а п р о л д ж э",
      "я ч с м и т ь б ю ё -",
      "{switch} , . {space} {done}"
    ]
  },
  /* Bengali: vowels, consonants, then the vowel signs and the virama that join them. */
  bn: {
    default: [
      "১ ২ ৩ ৪ ৫ ৬ ৭ ৮ ৯ ০ {bksp}",
      "অ আ ই ঈ উ ঊ ঋ এ ঐ ও ঔ",
      "ক খ গ ঘ ঙ চ ছ জ ঝ ঞ ট ঠ",
      "ড ঢ ণ ত থ দ ধ ন প ফ ব ভ",
      "ম য র ল শ ষ স হ ড় ঢ় য় ৎ",
      "া ি ী ু ূ ৃ ে ৈ ো ৌ ং ঃ ঁ ্",
      "{switch} । {space} {done}"
    ]
  }
};
