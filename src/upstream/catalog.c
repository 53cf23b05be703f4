/* placeholder: filled in by the module owner */
