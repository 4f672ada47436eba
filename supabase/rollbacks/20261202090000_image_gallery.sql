-- Undoes 20261202090000_image_gallery.
drop index public.generations_gallery_idx;
