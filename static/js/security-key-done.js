// After a security key is registered, go back to the two-factor page (which lists the new key)
// instead of leaving a setup button for a name that has been used up.
document.addEventListener("otp_webauthn.register_complete", () => {
  const target = document.getElementById("passkey-registration-placeholder");
  window.location.assign(target?.dataset.doneUrl || "/manage/account/two-factor/");
});
