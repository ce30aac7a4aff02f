/*
 * On-screen keyboard layouts for Guichet.
 *
 * Rows are space-separated keys; {name} marks a special key:
 *   {bksp} delete, {shift} capitals, {space}, {done} hide the keyboard,
 *   {switch} toggle between the Latin layout and the applicant's own script.
 * The Arabic rows come from simple-keyboard-layouts (MIT licence,
 * (c) 2019 Francisco Hodge and contributors), reduced to the keys a touch
 * screen needs. The Latin layout is French AZERTY with the accented letters
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
  }
};
