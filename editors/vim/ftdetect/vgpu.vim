" ftdetect/vgpu.vim - marks *.vgpu files (vgpuc cluster definitions) as
" filetype vgpu, so that syntax/vgpu.vim highlights them.
autocmd BufRead,BufNewFile *.vgpu setfiletype vgpu
